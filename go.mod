module github.com/manifest-tool/manifest-tool

go 1.26.0

require (
	github.com/regclient/regclient v0.11.7
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.49.0 // indirect
