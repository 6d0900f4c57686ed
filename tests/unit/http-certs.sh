#!/bin/sh
# Certificates for tests/unit/http.c, made with openssl 3.0's own commands into DIR:
#   ca.crt          the test CA (EC P-256)               ca.key
#   server.crt      localhost, registry.test, 127.0.0.1, ::1 (EC, from ca)   server.key
#   rsa.crt         the same names on an RSA 2048 key     rsa.key
#   wrong.crt       example.com and www.example.com only  (server.key)
#   wild.crt        *.registry.test                        (server.key)
#   future.crt      valid 2035-01-02 .. 2036-01-02         (server.key)
#   expired.crt     valid 2015-01-02 .. 2016-01-02         (server.key)
#   client.crt      for TLS client authentication          client.key
#   self.crt        self-signed, right names, unknown CA   self.key
set -eu
d=$1
mkdir -p "$d/newcerts"
cd "$d"
: > index.txt
echo 01 > serial
cat > ca.cnf <<EOF
[ca]
default_ca = d
[d]
database = $PWD/index.txt
new_certs_dir = $PWD/newcerts
serial = $PWD/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[p]
commonName = supplied
EOF
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ext() { # NAME SAN [EKU]
	printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\nextendedKeyUsage=%s\n' "$2" "${3:-serverAuth}" > "$1.ext"
}
csr() { openssl req -new -key "$2" -subj "/CN=$1" -out "$1.csr"; }
sign() { # NAME DAYS
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$2" \
		-extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
sign_dates() { # NAME START END
	openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in "$1.csr" -out "$1.crt" \
		-startdate "$2" -enddate "$3" -extfile "$1.ext" -notext 2>/dev/null
}

ec ca.key
openssl req -x509 -new -key ca.key -subj "/CN=ocibox test CA" -days 3650 -out ca.crt \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

names='DNS:localhost,DNS:registry.test,IP:127.0.0.1,IP:::1'
ec server.key
for n in server wrong wild future expired; do csr $n server.key; done
ext server "$names"
ext wrong 'DNS:example.com,DNS:www.example.com'
ext wild 'DNS:*.registry.test'
ext future "$names"
ext expired "$names"
for n in server wrong wild; do sign $n 3650; done
sign_dates future 20350102000000Z 20360102000000Z
sign_dates expired 20150102000000Z 20160102000000Z

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
csr rsa rsa.key
ext rsa "$names"
sign rsa 3650

ec client.key
csr client client.key
ext client 'DNS:client' clientAuth
sign client 3650

ec self.key
openssl req -x509 -new -key self.key -subj "/CN=self" -days 3650 -out self.crt \
	-addext "subjectAltName=$names"
rm -f ./*.csr ./*.ext
