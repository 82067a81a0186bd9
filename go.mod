module github.com/wirekit/wirekit

go 1.26
