/**
 * QuickBooks Desktop, the stateful half: the Web Connector queue in PostgreSQL, the SOAP operations, the
 * connector the export job calls, and the Web Connector credentials.
 */
export { createQbdConnector, QBD_CHECK_AFTER_MS } from "./connector.js";
export {
  QBWC_OWNER_ID,
  QWC_RUN_EVERY_MINUTES,
  resetWebConnectorPassword,
  setWebConnectorPassword,
  webConnectorFile,
} from "./credentials.js";
export { countPendingSteps } from "./queue.js";
export {
  authenticate,
  closeConnection,
  connectionError,
  getLastError,
  handleQbwcCall,
  receiveResponseXML,
  SERVER_VERSION,
  sendRequestXML,
  TICKET_IDLE_MS,
} from "./service.js";
