-- The inbox filters open tickets by priority often (the urgent queue);
-- with this index a priority filter walks only that priority's open
-- tickets in update order instead of every open ticket.
CREATE INDEX tickets_open_priority_updated ON tickets (is_open, priority, updated_at, id);
