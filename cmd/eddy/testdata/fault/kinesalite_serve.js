// Starts kinesalite (in memory) on 127.0.0.1 and the port given as the
// first argument, loading the package from the directory given as the
// second (sources/kinesis/testdata/kinesalite); prints the port once
// listening and runs until stdin closes or the process is killed. The
// fault suite restarts it on the same port.
'use strict'
const kinesalite = require(require('path').join(process.argv[3], 'node_modules', 'kinesalite'))
const server = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000})
server.listen(Number(process.argv[2]), '127.0.0.1', function (err) {
  if (err) { console.error(err); process.exit(1) }
  process.stdout.write(server.address().port + '\n')
})
process.stdin.on('end', function () { process.exit(0) })
process.stdin.resume()
