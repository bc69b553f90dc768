# Test stand-in for the UCI part of OpenWrt's /lib/functions.sh, so that tests/openwrt_init.rs can run the init
# script's UCI-to-TOML mapping on a build machine with sh or busybox ash. A UCI file is shell once `config`,
# `option` and `list` are functions; values are kept in CONFIG_<section>_<option> variables as on OpenWrt.
# config_load reads $UCI_CONFIG_DIR/<package>. logger prints its message to stderr.
# shellcheck shell=sh disable=SC1090,SC2034,SC3043

TEST_UCI_SECTIONS=""
TEST_UCI_ANONYMOUS=0

config() {
	local name="$2"
	if [ -z "$name" ]; then
		TEST_UCI_ANONYMOUS=$((TEST_UCI_ANONYMOUS + 1))
		name="cfg$TEST_UCI_ANONYMOUS"
	fi
	CONFIG_SECTION="$name"
	TEST_UCI_SECTIONS="$TEST_UCI_SECTIONS $name"
	eval "CONFIG_${name}_TYPE=\$1"
}

option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}

list() {
	local length
	eval "length=\$((\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0} + 1))"
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$length=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$length"
}

config_load() {
	. "$UCI_CONFIG_DIR/$1"
}

# config_get VARIABLE SECTION OPTION [DEFAULT]
config_get() {
	eval "$1=\${CONFIG_$2_$3:-\$4}"
}

# config_get_bool VARIABLE SECTION OPTION [DEFAULT]: 1 or 0, DEFAULT for anything else.
config_get_bool() {
	local value
	config_get value "$2" "$3" "$4"
	case "$value" in
	1 | on | true | yes | enabled) value=1 ;;
	0 | off | false | no | disabled) value=0 ;;
	*) value="$4" ;;
	esac
	eval "$1=\$value"
}

# config_foreach FUNCTION TYPE [ARGS...]: FUNCTION SECTION ARGS... for each section of TYPE, in file order.
config_foreach() {
	local function="$1" type="$2" section section_type
	shift 2
	for section in $TEST_UCI_SECTIONS; do
		eval "section_type=\$CONFIG_${section}_TYPE"
		[ "$section_type" = "$type" ] && "$function" "$section" "$@"
	done
	return 0
}

# config_list_foreach SECTION OPTION FUNCTION [ARGS...]: FUNCTION ITEM ARGS... for each item of the list.
config_list_foreach() {
	local section="$1" option="$2" function="$3" length index=1 item
	shift 3
	eval "length=\${CONFIG_${section}_${option}_LENGTH:-0}"
	while [ "$index" -le "$length" ]; do
		eval "item=\$CONFIG_${section}_${option}_ITEM$index"
		"$function" "$item" "$@"
		index=$((index + 1))
	done
}

logger() {
	eval "printf '%s\n' \"\${$#}\"" >&2
}
