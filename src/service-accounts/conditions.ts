// Kubernetes-style conditions of a service account, as the reconciler records them: `Ready`
// (the Keycloak client exists and matches), `Drifted` (someone changed the client by hand; the
// reconciler repaired it), `OwnerChanged` (the creator lost the role the SA inherited). Pure
// functions; stored as JSON on the row.
export type ConditionType = 'Ready' | 'Drifted' | 'OwnerChanged';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** When status or reason last changed. */
  lastTransitionTime: string;
}

export function parseConditions(value: unknown): Condition[] {
  return Array.isArray(value) ? (value as Condition[]).filter((c) => c && typeof c.type === 'string') : [];
}

/** The conditions with `next` set; the time moves only when its status or reason changes. */
export function setCondition(conditions: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  const changed = !current || current.status !== next.status || current.reason !== next.reason;
  const updated: Condition = { ...next, lastTransitionTime: changed ? now.toISOString() : current.lastTransitionTime };
  return [...conditions.filter((c) => c.type !== next.type), updated].sort((a, b) => order(a.type) - order(b.type));
}

export function sameConditions(a: Condition[], b: Condition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function order(type: ConditionType): number {
  return ['Ready', 'Drifted', 'OwnerChanged'].indexOf(type);
}

/** What a row shows: its stored conditions, with `Ready` derived from its status when none was stored. */
export function conditionsOf(row: { status: string; conditions: unknown; createdAt: Date }): Condition[] {
  const stored = parseConditions(row.conditions);
  if (stored.some((c) => c.type === 'Ready')) return stored;
  const ready: Condition =
    row.status === 'deleting'
      ? { type: 'Ready', status: 'False', reason: 'Deleting', message: 'The service account is being deleted', lastTransitionTime: row.createdAt.toISOString() }
      : { type: 'Ready', status: 'True', reason: 'Provisioned', message: 'The Keycloak client exists', lastTransitionTime: row.createdAt.toISOString() };
  return [ready, ...stored];
}
