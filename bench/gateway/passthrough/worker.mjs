// Answers every request with 200 JSON, like the gateway's echo mode but without verifying anything.
export default {
  async fetch(request) {
    const url = new URL(request.url)
    return Response.json({ path: url.pathname, authorized: request.headers.has('authorization') })
  },
}
