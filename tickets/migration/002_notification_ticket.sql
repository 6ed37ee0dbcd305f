-- A ticket's notifications, for showing them with the ticket (/ticket).
CREATE INDEX notifications_ticket ON notifications (ticket_id, id);
