-- Source table of the realtime pipeline (book chapter 10). Safe to run on
-- every deployment: each statement is idempotent. Needs PostgreSQL >= 14
-- (CREATE OR REPLACE TRIGGER).

CREATE TABLE IF NOT EXISTS public.customers (
    id             serial PRIMARY KEY,
    name           text NOT NULL,
    sex            text,
    street_address text,
    city           text,
    state          text,
    zip            text,
    birthdate      date,
    profession     text,
    email          text,
    phone          text,
    -- UTC wall-clock time whatever the session's TimeZone: the JDBC source
    -- connector reads this timestamp-without-time-zone column as UTC.
    dt_update      timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- The connector's timestamp mode polls "WHERE dt_update > ? ORDER BY dt_update".
CREATE INDEX IF NOT EXISTS customers_dt_update_idx ON public.customers (dt_update);

-- Updated rows must get a new dt_update, or the connector never sees them.
CREATE OR REPLACE FUNCTION public.customers_touch_dt_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.dt_update := now() AT TIME ZONE 'UTC';
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER customers_touch_dt_update
    BEFORE UPDATE ON public.customers
    FOR EACH ROW EXECUTE FUNCTION public.customers_touch_dt_update();
