# -*- coding: utf-8 -*-
import sys
from conda.cli.main import main
sys.exit(main())
