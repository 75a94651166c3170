# -*- coding: utf-8 -*-
import re
import sys

from tool import main

if __name__ == '__main__':
    sys.exit(main())
