# bash completion for manifest-tool
_manifest_tool() {
	local cur=${COMP_WORDS[COMP_CWORD]} out IFS=$'\n'
	out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return
	# bash splits --flag=value at '=': on "--flag=", the word is the '='
	[[ $cur == = ]] && cur=
	if [[ $out == ":files" ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$out" -- "$cur"))
	fi
}
complete -o filenames -F _manifest_tool manifest-tool
