// Starts kinesalite (in memory) on 127.0.0.1 and a free port, prints the
// port on stdout, and runs until stdin closes or the process is killed.
'use strict'
const kinesalite = require('kinesalite')
const server = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000})
server.listen(0, '127.0.0.1', function (err) {
  if (err) { console.error(err); process.exit(1) }
  process.stdout.write(server.address().port + '\n')
})
process.stdin.on('end', function () { process.exit(0) })
process.stdin.resume()
