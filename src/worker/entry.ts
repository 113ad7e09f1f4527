export default {
  async fetch(): Promise<Response> {
    return new Response('jwks-gateway', { status: 200 })
  },
}
