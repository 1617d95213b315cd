#compdef manifest-tool
# zsh completion for manifest-tool
_manifest_tool() {
	local out
	out=$("${words[1]}" __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return
	if [[ $out == ":files" ]]; then
		_files
	else
		compadd -- ${(f)out}
	fi
}
compdef _manifest_tool manifest-tool
