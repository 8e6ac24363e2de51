module github.com/reflexio-go/reflexio

go 1.26
