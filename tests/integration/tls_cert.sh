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
