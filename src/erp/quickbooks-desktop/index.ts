/**
 * QuickBooks Desktop through the Web Connector, the pure half: the plan and its step rules, qbXML requests and
 * responses, statusCode classification, the SOAP contract. The queue and the SOAP service live in the app layer.
 */
export * from "./document-plans.js";
export * from "./plan.js";
export * from "./purchase-order-plan.js";
export * from "./qbxml.js";
export * from "./rules.js";
export * from "./soap.js";
export * from "./status.js";
