#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_migrate.py on the current host stack (QEMU 10, virtiofsd 1.13: tools/deps-current)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402

vstest.on_stack("current", "test_migrate.py")
