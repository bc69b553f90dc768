# /etc/profile.d/euiccd.sh: lets `euiccd status` and the other commands find the daemon's control socket,
# which the init script puts under /var/run (OpenWrt has no /run).
export EUICCD_CONTROL_SOCKET=/var/run/euiccd/control.sock
