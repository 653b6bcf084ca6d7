// OpenSSL's libcrypto, for SHA-256 of runtime packages. librabbitmq loads it anyway (TLS).
#include <openssl/evp.h>
