// jest sets NODE_ENV=test when it is unset; n8n does not start with it (and n8n-core reads it too),
// while under node:test and in production it is unset.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;
