"""`cmake --install` puts the module and its stubs where this python3 finds them."""
import os
import re
import subprocess
import sys


def cache_value(build, name):
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        match = re.search(rf"^{name}:[A-Z]+=(.*)$", f.read(), re.M)
    assert match, f"{name} not in the CMake cache"
    return match.group(1)


def test_install_puts_the_module_where_python_finds_it(tmp_path):
    build = os.environ["AZCOPY_RUNNER_BUILD_DIR"]
    subprocess.run(["cmake", "--install", build, "--component", "python"],
                   env={**os.environ, "DESTDIR": str(tmp_path)}, check=True,
                   stdout=subprocess.DEVNULL)
    prefix = cache_value(build, "CMAKE_INSTALL_PREFIX")
    target = os.path.join(prefix, cache_value(build, "AZCOPY_RUNNER_PYTHON_INSTALL_DIR"))
    installed = sorted(os.listdir(str(tmp_path) + target))
    assert "azcopy_runner.pyi" in installed
    assert any(re.fullmatch(r"azcopy_runner\..*\.so", name) for name in installed), installed
    # Installed for real (no DESTDIR), the folder is on this interpreter's path...
    plain = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.path))"],
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                           check=True, capture_output=True, text=True).stdout.splitlines()
    assert target in plain, (target, plain)
    # ...and the module imports from there.
    found = subprocess.run([sys.executable, "-c",
                            "import azcopy_runner; print(azcopy_runner.__file__)"],
                           env={**os.environ, "PYTHONPATH": str(tmp_path) + target},
                           check=True, capture_output=True, text=True).stdout.strip()
    assert found.startswith(str(tmp_path) + target)
