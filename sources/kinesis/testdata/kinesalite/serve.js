// Starts kinesalite (in memory) on 127.0.0.1 and a free port, prints the
// port on stdout, and runs until stdin closes or the process is killed.
'use strict'
const kinesalite = require('kinesalite')
const server = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000})
server.listen(0, '127.0.0.1', function (err) {
  if (err) { console.error(err); process.exit(1) }
  process.stdout.write(server.address().port + '\n')
})
// kinesalite throws from a request's error handler when a client aborts
// the request (the connection is reset): one client going away must not
// take the server down under the other tests.
process.on('uncaughtException', function (err) {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    console.error('kinesalite: a client aborted a request: ' + err.message)
    return
  }
  console.error(err)
  process.exit(1)
})
process.stdin.on('end', function () { process.exit(0) })
process.stdin.resume()
