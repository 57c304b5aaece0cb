# Partial configuration: callers pass the rest with -backend-config (bucket, key, region, endpoints and
# credentials of an S3-compatible store such as DigitalOcean Spaces). Kept alone in this file so local runs and
# tests can replace it with an override file (backend_override.tf) or leave it out; see README.md.
terraform {
  backend "s3" {}
}
