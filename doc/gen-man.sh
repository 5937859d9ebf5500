#!/bin/sh
# Write lambda-tutor(1) to stdout from the program's own help texts, so that the manual
# always says what the binary does. Usage: gen-man.sh PATH-TO-lambda-tutor
set -eu
bin=$1
version=$("$bin" --version | awk '{print $2}')

# Escape text for roff: backslashes, and lines that start with a dot or an apostrophe.
esc() {
	sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

cat <<EOT
.TH LAMBDA-TUTOR 1 "" "lambda-tutor $version" "User Commands"
.SH NAME
lambda-tutor \\- an interactive terminal workshop: Introduction to AWS Lambda
.SH SYNOPSIS
.B lambda-tutor
.RI [ COMMAND ]
.RI [ OPTIONS ]
.SH DESCRIPTION
.B lambda-tutor
teaches AWS Lambda in a terminal. The learner reads the course, writes real handlers in
Python or Node.js in their own editor, and checks them against a local cloud that behaves
like AWS Lambda and the services around it, with no AWS account and no network.
Without a command it opens the tutor.
Progress, every check run and every quiz answer are kept in one SQLite file per learner.
.SH OPTIONS
These options are understood by every command.
.nf
EOT
"$bin" --help | sed -n '/^Options for every command:/,/^$/p' | sed '1d;$d' | esc
cat <<EOT
.fi
.SH COMMANDS
EOT
"$bin" --help | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}' |
	while read -r cmd; do
		printf '.SS %s\n.nf\n' "$cmd"
		"$bin" "$cmd" --help | esc
		printf '.fi\n'
	done
cat <<'EOT'
.SH ENVIRONMENT
.TP
.B LAMBDA_TUTOR_DB
the learner's record file, as --db
.TP
.B LAMBDA_TUTOR_COURSE
the course folder, as --course
.TP
.B LAMBDA_TUTOR_WORKSPACE
the learner's workspace, as --workspace
.TP
.B XDG_DATA_HOME
records live in $XDG_DATA_HOME/lambda-tutor/ (default ~/.local/share/lambda-tutor/)
.TP
.B NO_COLOR
when set, the tutor draws without colours
.TP
.B EDITOR
the editor that opens exercise files
.SH FILES
.TP
.I ~/.local/share/lambda-tutor/LEARNER.db
the learner's records: an append-only log in SQLite
.TP
.I ~/lambda-workshop/
the learner's workspace: one folder per exercise, and the local cloud's state in .cloud/
.SH EXIT STATUS
0 success, 1 a check or lint failed, 2 a usage or environment error.
.SH SEE ALSO
.BR aws (1),
.BR sqlite3 (1)
EOT
