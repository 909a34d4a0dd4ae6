-- API keys join the change feed: a revoked or expired key, like a disabled service account or a
-- tenant that switched keys off, is dropped by every replica that remembers it.
CREATE OR REPLACE FUNCTION "sa_bridge_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF TG_TABLE_NAME IN ('service_accounts', 'api_keys') THEN
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

CREATE TRIGGER "api_keys_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION "sa_bridge_notify_change"();
