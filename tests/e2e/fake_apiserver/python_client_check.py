"""Lists and watches configmaps with the official Python client through a fake-apiserver kubeconfig."""
import sys
import threading
import time

try:
    from kubernetes import client, config, watch
except ImportError:
    print("SKIP: the kubernetes Python module is not installed")
    sys.exit(77)

config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
v1.create_namespaced_config_map("default", {"metadata": {"name": "py"}, "data": {"k": "v"}})
listed = v1.list_namespaced_config_map("default")
assert "py" in [c.metadata.name for c in listed.items], "created configmap not listed"


def change():
    time.sleep(0.3)
    v1.patch_namespaced_config_map("py", "default", {"data": {"k": "w"}})


threading.Thread(target=change).start()
w = watch.Watch()
for event in w.stream(v1.list_namespaced_config_map, "default",
                      resource_version=listed.metadata.resource_version, timeout_seconds=10):
    if event["type"] == "MODIFIED" and event["object"].metadata.name == "py":
        assert event["object"].data["k"] == "w"
        w.stop()
        print("ok: listed and watched configmaps")
        sys.exit(0)
sys.exit("no MODIFIED event for configmap py")
