#!/bin/sh
# Runs inside the booted Debian container (test/deploy/run-guide.ts): the commands of docs/deploy.md
# from "copy the site" on, each printed as typed, then its real output. The client's side (discover,
# a POST) is run by run-guide.ts from another lab host when this script says "ready".
cd /root
out=/root/transcript.txt
: >"$out"
step() {
  printf '\n# %s\n' "$1" >>"$out"
  sh -c "$1" >>"$out" 2>&1
  code=$?
  [ "$code" -eq 0 ] || printf '[exit %s]\n' "$code" >>"$out"
}
handshake() {
  touch "/root/$1.ready"
  while [ ! -e "/root/$1.done" ]; do sleep 0.2; done
}
until_logged() {
  for _ in $(seq 1 100); do journalctl -u "$1" --no-pager -q | grep -q "$2" && return 0; sleep 0.2; done
}

step 'cp -r site/. /etc/provdisc/'
step 'cp "$(npm root -g)/provdisc/systemd/provdisc.service" /etc/systemd/system/'
step 'systemctl enable --now provdisc'
until_logged provdisc 'advertising'
step 'systemctl status provdisc --no-pager'
handshake client

step 'printf "\n[profile kiosk]\nmatch.hwaddr = 52:54:00:12:34:56\nproperties = kiosk.properties\n" >> /etc/provdisc/site.ini'
step 'systemctl reload provdisc'
until_logged provdisc 'reloaded'
step 'journalctl -u provdisc --no-pager -o short'
step 'journalctl -u provdisc --no-pager -p warning -o short'
step 'ls -ld /var/lib/provdisc /var/lib/private/provdisc'
step 'systemd-analyze security provdisc.service --no-pager | tail -1'

# https: the key stays root's (0600), handed to the dynamic user as a credential
step 'install -d /etc/provdisc/tls && install -m 0644 tls/cert.pem /etc/provdisc/tls/ && install -m 0600 tls/key.pem /etc/provdisc/tls/'
step 'mkdir -p /etc/systemd/system/provdisc.service.d && printf "[Service]\nLoadCredential=tls-key:/etc/provdisc/tls/key.pem\n" > /etc/systemd/system/provdisc.service.d/credentials.conf'
step 'sed -i -e "s|^listen = .*|listen = 0.0.0.0:8443|" -e "s|^template = http://198.51.100.1:8080|template = https://198.51.100.1:8443|" -e "/^\[serve\]/a tls-cert = tls/cert.pem\ntls-key = /run/credentials/provdisc.service/tls-key" /etc/provdisc/site.ini && head -6 /etc/provdisc/site.ini'
step 'systemctl daemon-reload && systemctl restart provdisc'
until_logged provdisc 'serving https'
step 'journalctl -u provdisc --no-pager -o cat -n 3'
step 'node -e "require(\"https\").get(\"https://198.51.100.1:8443/healthz\", { ca: require(\"fs\").readFileSync(\"tls/cert.pem\") }, (r) => r.on(\"data\", (d) => console.log(r.statusCode, String(d))))"'

step 'npm install -g --offline ./provdisc-0.1.0.tgz'
step 'systemctl restart provdisc'
step 'systemctl is-active provdisc'

step 'systemctl disable --now provdisc'
step 'cp "$(npm root -g)/provdisc/systemd/provdisc-advertise@.service" /etc/systemd/system/'
step 'printf "[advertise]\ntemplate = https://prov.example.org/provisioning.php?username=\${username}&osname=\${osname}\nvia = bonjour, dhcp\n" > /etc/provdisc/lan.ini'
step 'systemctl enable --now provdisc-advertise@lan'
until_logged provdisc-advertise@lan 'advertising'
handshake advertise
step 'systemctl stop provdisc-advertise@lan'
step 'journalctl -u provdisc-advertise@lan --no-pager -o short'
step 'systemd-analyze security provdisc-advertise@lan.service --no-pager | tail -1'

touch /root/guide.finished
systemctl poweroff
