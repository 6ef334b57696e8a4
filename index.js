// The package's "main", as in n8n's starter (n8n-io/n8n-nodes-starter, where it was an empty
// index.js until the starter moved to @n8n/node-cli in October 2025). n8n does not load it: it
// loads the node and the credential from package.json's "n8n" section (dist/...). Requiring the
// package gives an empty object.
