-- The reconciler claims a tenant every half period (reconciled_at) and advances its admin-event
-- cursor, and the usage job advances usage_events_seen_until (Prisma sets updated_at with each):
-- none changes what a replica remembers of the tenant, so none is announced; every other change is.
CREATE OR REPLACE FUNCTION "sa_bridge_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF TG_TABLE_NAME = 'service_accounts' THEN
    PERFORM pg_notify('sa_bridge_changes', json_build_object('table', TG_TABLE_NAME, 'tenant', changed.tenant, 'id', changed.id)::text);
  ELSE
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'reconciled_at' - 'usage_events_seen_until' - 'admin_events_seen_until' - 'updated_at')
       = (to_jsonb(OLD) - 'reconciled_at' - 'usage_events_seen_until' - 'admin_events_seen_until' - 'updated_at') THEN
      RETURN NULL;
    END IF;
    PERFORM pg_notify('sa_bridge_changes', json_build_object('table', TG_TABLE_NAME, 'tenant', changed.realm)::text);
  END IF;
  RETURN NULL;
END
$$;
