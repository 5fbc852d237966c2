import { WebClient } from '@slack/web-api';

const slack = new WebClient('{{slack-user}}'); ⟦plant:slack-user-token⟧
const appToken = "{{slack-app}}"; ⟦plant:slack-app-token⟧
const session = "{{jwt}}"; ⟦plant:jwt⟧
const demo = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"; ⟦decoy⟧
const unsigned = "{{jwt-none}}"; ⟦decoy⟧
const mongo = 'mongodb+srv://admin:{{password}}@cluster0.ab1cd.mongodb.net/prod'; ⟦plant:database-url-password⟧
const localDb = 'postgres://postgres:postgres@localhost:5432/dev'; ⟦decoy⟧
const tmpl = `mysql://${user}:${password}@${host}/db`; ⟦decoy⟧
const token = process.env.GITHUB_TOKEN; ⟦decoy⟧
const apiKey = getApiKey(); ⟦decoy⟧
const ghToken = '{{gho}}'; // vigil:ignore ⟦suppressed:github-oauth-token⟧
// vigil:ignore secret:stripe-secret-key
const billing = '{{stripe-live}}'; ⟦suppressed:stripe-secret-key⟧
// vigil:ignore secret:jwt
const billing2 = '{{stripe-live}}'; ⟦plant:stripe-secret-key⟧
fetch('https://api.example.com/v1', { headers: { Authorization: 'token {{ghp}}' } }); ⟦plant:github-pat-classic⟧
