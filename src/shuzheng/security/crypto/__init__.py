"""国密 cryptography: SM3 (hash, HMAC), SM4 (authenticated encryption), SM2 (signatures).

Every implementation here is a well-kept library's: hashlib's sm3 (OpenSSL), `cryptography`'s SM4
(OpenSSL) and gmssl-pyx's SM2 (GmSSL). This package only fixes formats and names.
"""
