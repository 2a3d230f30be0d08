-- Least-privilege login roles of the realtime pipeline, run by the table Job as the RDS master
-- user after customers.sql. Idempotent: re-running sets the current passwords (rotation) and
-- grants again. Roles come in as psql variables, passwords from the environment (\getenv: never
-- in argv or the pod spec). psql variables are not expanded inside DO blocks, so statements are
-- built with format() and run with \gexec.
--   source_role     the JDBC source connector: reads public.customers
--   simulator_role  the simulator: inserts customers (RETURNING id needs SELECT on id only)

\getenv source_password SOURCE_PASSWORD
\getenv simulator_password SIMULATOR_PASSWORD
\if :{?source_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'SOURCE_PASSWORD is not set'; END $$;
\endif
\if :{?simulator_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'SIMULATOR_PASSWORD is not set'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN NOINHERIT', r) FROM unnest(ARRAY[:'source_role', :'simulator_role']) AS r
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOINHERIT PASSWORD %L', :'source_role', :'source_password') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOINHERIT PASSWORD %L', :'simulator_role', :'simulator_password') \gexec

-- CONNECT on the database and USAGE on schema public: PostgreSQL's defaults for PUBLIC.
SELECT format('GRANT SELECT ON TABLE public.customers TO %I', :'source_role') \gexec
SELECT format('GRANT INSERT, SELECT (id) ON TABLE public.customers TO %I', :'simulator_role') \gexec
SELECT format('GRANT USAGE ON SEQUENCE public.customers_id_seq TO %I', :'simulator_role') \gexec
