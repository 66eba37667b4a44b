//! The resolved compose project, in the exact shape Docker Compose prints with
//! `docker compose config --format json` (compose-go's `types.Project`).
