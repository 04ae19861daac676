/**
 * A self-signed certificate for 127.0.0.1 (P-256, valid until 2126), only for the raw upstream's
 * TLS mode in the https→http downgrade test. Made once with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
 *  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`. It protects nothing: the key is public.
 */
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg494r/XeFXvFUTvDW
apw07uLuC6bUEpw8DrqxP34U7HGhRANCAAQMhod9VV7lt9d9a3RKAmUvqRMNj2n8
qRYCwKd/dy+hbcbBcZsR6UlHzpMH+lQ4c2Lkdl/bIK4YFdBLxBrvz/pg
-----END PRIVATE KEY-----
`;

export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUe8pPqKttio+chPQVaJCMIGtWeWowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMjA1MTMzNFoYDzIxMjYxMDI5
MDUxMzM0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQMhod9VV7lt9d9a3RKAmUvqRMNj2n8qRYCwKd/dy+hbcbBcZsR6UlH
zpMH+lQ4c2Lkdl/bIK4YFdBLxBrvz/pgo2QwYjAdBgNVHQ4EFgQUvgM3GAAt9mXf
NJdJDsgxqjjzb8AwHwYDVR0jBBgwFoAUvgM3GAAt9mXfNJdJDsgxqjjzb8AwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
ID9r2mpr6AvTFUO0lYkRRpKNXX7QCHwS0GVYGAUG8SDzAiEAohzM7bh4aEyRUWW7
mbALXIyXg+HxWmCdDBHBnDmJFEo=
-----END CERTIFICATE-----
`;
