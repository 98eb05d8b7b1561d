-- Invoice numbers are told apart regardless of case (INV-7 and inv-7 are
-- one number to a customer): imports look a new number up by LOWER(number)
-- before creating it.
CREATE INDEX billing_invoices_number_lower ON billing_invoices (LOWER(number));
