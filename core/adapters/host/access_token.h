#pragma once
// The host's access token: random, compared in constant time, kept in the OS keychain
// (QtKeychain) so that a screen set up once keeps working after a restart. Without a working
// keychain the token lives for this run only, and the caller is told why.

#include <QString>

namespace archival::adapters::host {

// 32 random bytes from the system generator, base64url without padding (43 characters).
QString generateAccessToken();
// Constant-time comparison (the time taken does not tell how much of a guess was right).
bool tokensEqual(const QString& presented, const QString& expected);

struct StoredToken {
    QString token;
    bool generated = false;  // none was stored: this one is new
    bool stored = false;     // it is in the keychain now
    QString keychainError;   // why not, when not
};

// Reads the token from the keychain; makes and stores a new one when there is none. Blocks
// (a local event loop) for at most a few seconds.
StoredToken loadOrCreateAccessToken();
// Replaces the stored token (regenerate in the host panel). False and `error` when the
// keychain refused.
bool storeAccessToken(const QString& token, QString* error);

}  // namespace archival::adapters::host
