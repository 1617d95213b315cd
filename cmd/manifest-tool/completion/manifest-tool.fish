# fish completion for manifest-tool
function __manifest_tool_complete
	set -l words (commandline -opc)
	set -l out ($words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null)
	if test "$out" = ":files"
		__fish_complete_path (commandline -ct)
	else
		printf '%s\n' $out
	end
end
complete -c manifest-tool -f -a '(__manifest_tool_complete)'
