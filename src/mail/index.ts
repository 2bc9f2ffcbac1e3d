export { type CaughtEmail, type MailCatcher, type MailCatcherOptions, startMailCatcher } from "./catcher.js";
export {
  currencyFractionDigits,
  formatCalendarDate,
  formatDateTime,
  formatLocalDate,
  formatMoney,
  formatMoneyChange,
  minorToDecimalString,
} from "./format.js";
export {
  createSmtpMailer,
  type Mailer,
  MailSendError,
  type OutgoingEmail,
  type RecipientOutcome,
  type RecipientRejection,
  type SmtpMailer,
  type SmtpMailerOptions,
  type SmtpSendResult,
  sendToEach,
  toMailSendError,
} from "./mailer.js";
export * from "./templates/index.js";
