import os

# production settings
AWS_ACCESS_KEY_ID = "{{aws-id}}"  ⟦plant:aws-access-key⟧
AWS_SECRET_ACCESS_KEY = "{{aws-secret}}"
AWS_REGION = "eu-west-1"
DATABASE_URL = "postgres://app:{{password}}@db.prod.internal:5432/app"  ⟦plant:database-url-password⟧
SECRET_KEY = "{{generic-secret}}"  ⟦plant:generic-high-entropy⟧
DEBUG_TOKEN = os.environ["DEBUG_TOKEN"]  ⟦decoy⟧
API_KEY = os.getenv("API_KEY", "")  ⟦decoy⟧
PASSWORD = "changeme"  ⟦decoy⟧
COMMIT_SHA = "{{sha1}}"  ⟦decoy⟧
REQUEST_ID = "{{uuid}}"  ⟦decoy⟧
SESSION_TOKEN_TTL = 3600  ⟦decoy⟧
password_hash = "{{sha256}}"  ⟦decoy⟧
webhook_secret = "{{generic-hex}}"  ⟦plant:generic-high-entropy⟧
STS_KEY_ID = "{{aws-sts-id}}"  ⟦plant:aws-access-key-id⟧
