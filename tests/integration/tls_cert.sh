# Sourced by the integration tests that speak TLS. make_cert DIR NAME:
# a self-signed certificate for 127.0.0.1 that is its own CA, in
# DIR/cert.pem and DIR/key.pem, trusted by node through NODE_EXTRA_CA_CERTS
# (curl --cacert, python cafile and gnutls-cli --x509cafile take it too;
# tstclnt is told to accept it). On failure prints "not ok NAME: ..." and
# returns 1.
make_cert() {
	if ! openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/key.pem" -out "$1/cert.pem" > "$1/openssl.err" 2>&1; then
		echo "not ok $2: openssl req failed: $(tail -2 "$1/openssl.err")"
		return 1
	fi
	export NODE_EXTRA_CA_CERTS="$1/cert.pem"
}

# tlsmcp_start DIR NAME [SERVER FLAGS]: tlsmcp_server.mjs with DIR's
# certificate, outside mcptrace, its stderr in DIR/NAME.server.err; sets
# spid, and port once it listens (within 20 s). Returns 1 when it did not
# start (spid may still be set: stop it).
tlsmcp_start() {
	tls_d=$1 tls_n=$2
	shift 2
	rm -f "$tls_d/$tls_n.port"
	node tests/integration/tlsmcp_server.mjs --cert "$tls_d/cert.pem" --key "$tls_d/key.pem" \
		--port-file "$tls_d/$tls_n.port" "$@" 2> "$tls_d/$tls_n.server.err" &
	spid=$!
	tls_i=0
	while [ ! -s "$tls_d/$tls_n.port" ] && [ $tls_i -lt 200 ] && kill -0 "$spid" 2> /dev/null; do
		sleep 0.1
		tls_i=$((tls_i + 1))
	done
	port=$(cat "$tls_d/$tls_n.port" 2> /dev/null)
	[ -n "$port" ]
}
