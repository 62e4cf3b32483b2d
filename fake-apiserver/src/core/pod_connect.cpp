// The core/v1 pods/exec, pods/attach and pods/portforward subresources. kube-apiserver checks the pod, the container
// and that a node runs the pod (streamLocation), then proxies the stream to that node's kubelet. The simulation runs
// no kubelet and no container, so the answer is what kube-apiserver gives when it cannot reach one: a 500 Status
// without a reason ("error dialing backend: ..."), which kubectl prints as `Error from server: ...`; exec, attach,
// cp and port-forward then fail at once with a message saying why.
#include "http.hpp"

namespace habop::fake {

handled serve_pod_connect(const object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c) {
  if (c.req.method != "GET" && c.req.method != "POST")
    return reply(status_response(error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}}));
  auto pod = s.get(t, r.ns, r.name);
  if (!pod) return reply(status_response(pod.error()));
  if (r.sub != "portforward") {
    if (auto ctr = pick_container(**pod, c.param("container").value_or("")); !ctr)
      return reply(status_response(ctr.error()));
  }
  const std::string node = string_at(**pod, {"spec", "nodeName"});
  if (node.empty()) return reply(status_response(bad_request("pod " + r.name + " does not have a host assigned")));
  return reply(status_response(error{500, "",
                                     "error dialing backend: node " + json_quote(node) +
                                         " is simulated by the fake-apiserver and runs no kubelet: pods run no "
                                         "containers, so exec, attach, cp and port-forward are not available",
                                     {}}));
}

}  // namespace habop::fake
