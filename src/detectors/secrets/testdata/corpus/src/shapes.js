// shapes seen in real code that the generic rule must leave alone
export interface KeyOptions {
  privateKeyEncoding: BasePrivateKeyEncodingOptions<PrivF>; ⟦decoy⟧
}
const { tokenChars: tokenCharsTable } = require_validation(); ⟦decoy⟧
lastSignificantToken = "?InterpolationInTemplate"; ⟦decoy⟧
exports.AuthenticationMD5Password = AuthenticationMD5Password; ⟦decoy⟧
const lockToken = { 'Lock-Token': 'urn:uuid:{{uuid}}' }; ⟦decoy⟧
const creds = { username: 'ci', password: 'wrong-password-77' }; ⟦decoy⟧
const registryPassword = `reg-Pa55word-${RUN}`; ⟦decoy⟧
const message = { "expected_token_here_1007": "分析器预期在这里找到与令牌匹配的值" }; ⟦decoy⟧
const privateKey = d!.clientKey; ⟦decoy⟧
const signingSecret = "{{generic-secret}}"; ⟦plant:generic-high-entropy⟧
