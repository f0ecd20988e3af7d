// The real s3rver (npm), started for one test: argv[2] is the folder it keeps buckets in, argv[3] a comma-separated list
// of buckets to create. Prints {"port": N} once it listens on 127.0.0.1, and stops when stdin closes.
import S3rver from 's3rver';

const [directory, buckets = ''] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.split(',').filter(Boolean).map(name => ({ name })),
});
const { port } = await server.run();
console.log(JSON.stringify({ port }));
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
