# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): TLS material and credentials.

# ---- TLS material and credentials.

CRED_KEYS="SEC_KEYSTORE_PASSWORD SEC_KAFKA_PLAIN_USER SEC_KAFKA_PLAIN_PASSWORD SEC_KAFKA_SCRAM_USER SEC_KAFKA_SCRAM_PASSWORD SEC_ES_USER SEC_ES_PASSWORD"
# The credentials file is data, never sourced: KEY=value lines, keys from CRED_KEYS, each once, values of
# [A-Za-z0-9._-]{1,128} (what ensure_secure_material writes); anything else is refused.
read_credentials() {
  local f="$SECURE/credentials" line key value n=0
  if [ ! -f "$f" ] || [ -L "$f" ]; then die "$f is missing or not a regular file: remove $SECURE to make new credentials"; fi
  for key in $CRED_KEYS; do unset "$key"; done
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    [[ "$line" =~ ^([A-Z_]{1,64})=([A-Za-z0-9._-]{1,128})$ ]] \
      || die "$f line $n is not KEY=value with a value of letters, digits and . _ -: refusing it (remove $SECURE to make new credentials)"
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    case " $CRED_KEYS " in *" $key "*) ;; *) die "$f line $n: unknown key $key (remove $SECURE to make new credentials)" ;; esac
    [ -z "${!key:-}" ] || die "$f line $n: $key given twice"
    printf -v "$key" '%s' "$value"
  done < "$f"
  for key in $CRED_KEYS; do [ -n "${!key:-}" ] || die "$f has no $key (remove $SECURE to make new credentials)"; done
  CREDS_READ=1
}

# A CA, a server certificate for 127.0.0.1/localhost signed by it, and random credentials, made once per state
# directory (kept by `reset`, which only removes $RUN) so that clients configured with them keep working.
ensure_secure_material() {
  [ -z "${CREDS_READ:-}" ] || return 0
  if [ ! -f "$SECURE/.complete" ]; then
    command -v openssl >/dev/null 2>&1 || die "openssl not found: install it (apt-get install openssl) to make the stack's TLS certificates"
    local t="$SECURE.tmp"
    rm -rf "$t"; mkdir -m 700 "$t"
    gen() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
    {
      openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=logship local stack CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$t/ca.key" -out "$t/ca.crt"
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" -keyout "$t/server.key" -out "$t/server.csr"
      printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
        'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' > "$t/server.ext"
      openssl x509 -req -sha256 -days 3650 -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
        -extfile "$t/server.ext" -out "$t/server.crt"
      # Kafka reads PKCS12 (its PEM key store wants an encrypted key); Elasticsearch and Node read the PEM files.
      local kspw; kspw="$(gen)"
      openssl pkcs12 -export -name server -in "$t/server.crt" -inkey "$t/server.key" -certfile "$t/ca.crt" \
        -out "$t/kafka-server.p12" -passout "pass:$kspw"
      cat > "$t/credentials" <<CREDS
SEC_KEYSTORE_PASSWORD=$kspw
SEC_KAFKA_PLAIN_USER=logship-plain
SEC_KAFKA_PLAIN_PASSWORD=plain-$(gen)
SEC_KAFKA_SCRAM_USER=logship-scram
SEC_KAFKA_SCRAM_PASSWORD=scram-$(gen)
SEC_ES_USER=logship-admin
SEC_ES_PASSWORD=es-$(gen)
CREDS
    } >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; die "could not make the TLS certificates (log above)"; }
    # The CA certificate is public (clients are given its path); the directory keeps it to us anyway.
    chmod 644 "$t/ca.crt"
    touch "$t/.complete"
    rm -rf "$SECURE"; mv "$t" "$SECURE"
  fi
  # An older stack.sh left the credentials and logs 0644 (in a 0700 directory): 0600 like the keys.
  find "$SECURE" -maxdepth 1 -type f ! -name ca.crt -perm /077 -exec chmod 600 -- {} +
  read_credentials
}

