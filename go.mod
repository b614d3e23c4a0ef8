module github.com/stockholm/insyn

go 1.26
