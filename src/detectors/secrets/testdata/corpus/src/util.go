package util

const buildCommit = "{{sha1}}" ⟦decoy⟧
const schemaDigest = "sha256:{{sha256}}" ⟦decoy⟧
var hashedPassword = "$2b$12$Ez3bYVzJqvX0cG5k9xQm0eZ8t0n7bq8G1mQm1a2b3c4d5e6f7g8h9" ⟦decoy⟧
var secretName = "prod/billing/api-key" ⟦decoy⟧
var tokenHeader = "X-Auth-Token" ⟦decoy⟧
const apiSecret = "{{password}}" ⟦plant:generic-high-entropy⟧
