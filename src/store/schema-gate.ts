/** Table types of gating (issue 19): an account's gate policies (migration 0900_gate_01_policies). */
export interface GatePolicyTable {
  account_id: string;
  name: string;
  /** the body as sent: YAML or JSON */
  source: string;
  /** yaml | json */
  format: string;
  /** JSON of the validated policy, defaults filled */
  policy: string;
  /** hex sha256 of the admission token */
  token_hash: string;
  created_at: string;
  updated_at: string;
}

export interface GateTables {
  gate_policies: GatePolicyTable;
}
