# Shared by the integration tests and the channel benchmarks (sourced, not run: CTest runs *.sh).
#   free_port                         a free TCP port on 127.0.0.1
#   wait_serve ERRFILE PID            waits (60 s) for `leakguard serve` to print its readiness line
#   http_port ERRFILE                 the HTTP port that readiness line names
#   postfix_allow_instance DIR        lets the default instance run a private one configured in DIR
#                                     (undone by postfix_restore_default)
#   postfix_instance DIR TMP SMTP_PORT MILTER_PORT
#                                     writes a private Postfix instance in DIR (queue, data, mail under
#                                     TMP) listening on 127.0.0.1:SMTP_PORT, with LeakGuard's milter on
#                                     MILTER_PORT (0: none); add main.cf lines with postconf -c DIR -e
#   pf CMD...                         runs a Postfix command with a terminal (its errors need one)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_serve() {
  local err=$1 pid=$2
  for _ in $(seq 1 600); do
    grep -q "listening on http" "$err" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

http_port() { sed -n 's#^leakguard: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$#\1#p' "$1" | head -1; }

pf() { script -qc "$*" /dev/null >/dev/null 2>&1; }

POSTFIX_MAINCF=/etc/postfix/main.cf
POSTFIX_MAINCF_SAVED=""
postfix_allow_instance() {
  local dir=$1
  if [[ -f $POSTFIX_MAINCF ]]; then
    POSTFIX_MAINCF_SAVED=$(dirname "$dir")/main.cf.saved
    cp "$POSTFIX_MAINCF" "$POSTFIX_MAINCF_SAVED"
    postconf -e "alternate_config_directories = $(postconf -h alternate_config_directories 2>/dev/null) $dir"
  else
    POSTFIX_MAINCF_SAVED=none
    printf 'compatibility_level = 3.6\nalternate_config_directories = %s\n' "$dir" >"$POSTFIX_MAINCF"
  fi
}
postfix_restore_default() {
  if [[ $POSTFIX_MAINCF_SAVED == none ]]; then
    rm -f "$POSTFIX_MAINCF"
  elif [[ -n $POSTFIX_MAINCF_SAVED ]]; then
    cp "$POSTFIX_MAINCF_SAVED" "$POSTFIX_MAINCF"
  fi
}

postfix_instance() {
  local pfdir=$1 tmp=$2 smtp=$3 milter=$4
  mkdir -p "$pfdir" "$tmp/queue" "$tmp/data" "$tmp/mail"
  chown postfix "$tmp/data" "$tmp/mail"
  cp /etc/postfix/master.cf "$pfdir/master.cf"
  sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$smtp inet n - n - - smtpd/" \
    "$pfdir/master.cf"
  {
    echo "compatibility_level = 3.6"
    echo "queue_directory = $tmp/queue"
    echo "data_directory = $tmp/data"
    echo "mail_owner = postfix"
    echo "setgid_group = postdrop"
    echo "inet_interfaces = 127.0.0.1"
    echo "inet_protocols = ipv4"
    echo "myhostname = mx.corp.example"
    echo "mydomain = corp.example"
    echo "mydestination ="
    echo "local_recipient_maps ="
    echo "mynetworks = 127.0.0.0/8"
    echo "virtual_mailbox_domains = corp.example"
    echo "virtual_mailbox_base = $tmp/mail"
    echo "virtual_mailbox_maps = static:inbox/"
    echo "virtual_uid_maps = static:$(id -u postfix)"
    echo "virtual_gid_maps = static:$(id -g postfix)"
    echo "virtual_mailbox_limit = 0"
    echo "relayhost = [127.0.0.1]:9"
    echo "defer_transports = smtp"
    echo "milter_default_action = tempfail"
    echo "milter_protocol = 6"
    echo "maillog_file = $tmp/maillog"
    echo "maillog_file_prefixes = /tmp, /var"
    echo "message_size_limit = 60000000"
    echo "alias_maps ="
    echo "alias_database ="
  } >"$pfdir/main.cf"
  if [[ $milter != 0 ]]; then
    postconf -c "$pfdir" -e "smtpd_milters = inet:127.0.0.1:$milter" "non_smtpd_milters = inet:127.0.0.1:$milter"
  fi
  postconf -c "$pfdir" -F '*/*/chroot = n'
}
