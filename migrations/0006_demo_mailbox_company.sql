-- The company that sent each message the demo mail catcher keeps (from the X-Costbridge-Company header), so a
-- Directory Admin's view of their people's mail can be limited to mail their own company sent.
alter table demo_mailbox add column sent_for_company text;
