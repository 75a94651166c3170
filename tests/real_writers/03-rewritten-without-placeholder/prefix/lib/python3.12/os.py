# os
import abc
