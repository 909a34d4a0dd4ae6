// The shapes the /v1 API answers with (see the README's API table).
export type Role = 'viewer' | 'devops' | 'tenant-admin' | 'cpi-admin';

export interface Me {
  tenant: string;
  role: Role | null;
  actor: { type: string; id: string; name: string };
  client_id: string | null;
  service_account_id: string | null;
  token_expires_at: string;
}

export interface RotationPolicy {
  enabled: boolean;
  interval_days: number | null;
  grace_period_hours: number | null;
  next_rotation_at: string | null;
}

export interface ServiceAccount {
  id: string;
  name: string;
  description: string | null;
  tenant: string;
  client_id: string;
  role: Role;
  status: 'active' | 'disabled' | 'provisioning' | 'deleting' | 'deleted' | 'failed';
  created_at: string;
  created_by: { type: string; id: string; name: string };
  updated_at: string;
  secret_rotated_at: string | null;
  secret_expires_at: string | null;
  previous_secret_expires_at: string | null;
  last_used_at: string | null;
  access_token_ttl: number | null;
  access_token_ttl_requested: number | null;
  scopes: string[];
  claims: Record<string, string>;
  audience: string[];
  rotation: RotationPolicy;
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  /** Kubernetes-style conditions: Ready, Drifted, OwnerChanged. */
  conditions?: Condition[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  last_transition_time: string;
}

export interface ServiceAccountWithSecret extends ServiceAccount {
  client_secret: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface AuditEvent {
  id: string;
  occurred_at: string;
  tenant: string;
  actor: { type: string; id: string; name: string };
  action: string;
  target: { type: string; id: string } | null;
  outcome: 'success' | 'denied' | 'failed';
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

export interface TenantPolicy {
  tenant: string;
  max_secret_age_seconds: number;
  max_grace_period_seconds: number;
  max_access_token_ttl: number;
  default_access_token_ttl: number;
  allowed_scopes: string[];
  allowed_audiences: string[];
  registered_audiences: string[];
}

export interface Webhook {
  id: string;
  tenant: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  created_by: { id: string; name: string };
  previous_secret_expires_at: string | null;
}
