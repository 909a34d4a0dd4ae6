-- Every change to a service account or a tenant is announced on the channel sa_bridge_changes when
-- its transaction commits, whoever made it (any replica of the bridge, a job, an operator's SQL).
-- Each replica listens (src/db/change-feed.ts) and drops what it remembered of that row.
-- Payload: {"table": ..., "tenant": ..., "id": ...} (no other column, never a secret).
CREATE FUNCTION "sa_bridge_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF TG_TABLE_NAME = 'service_accounts' THEN
    PERFORM pg_notify('sa_bridge_changes', json_build_object('table', TG_TABLE_NAME, 'tenant', changed.tenant, 'id', changed.id)::text);
  ELSE
    PERFORM pg_notify('sa_bridge_changes', json_build_object('table', TG_TABLE_NAME, 'tenant', changed.realm)::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "service_accounts_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "service_accounts"
  FOR EACH ROW EXECUTE FUNCTION "sa_bridge_notify_change"();

CREATE TRIGGER "tenants_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION "sa_bridge_notify_change"();
