# Connection settings for the staging cluster.
FAKE_GITHUB_TOKEN = "{{ghp}}"  ⟦decoy⟧
example_stripe_key = "{{stripe-live}}"  ⟦decoy⟧
token = "{{npm}}"  # dummy value for unit tests ⟦decoy⟧
real_token = "{{npm}}"  ⟦plant:npm-access-token⟧
